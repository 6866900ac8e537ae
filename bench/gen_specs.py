"""Generate realistic, schema-valid USM/CEMM service specs for the benchmark (DESIGN §2, §7).

Each spec is about 90 lines, written the way people write them: block style, with flow mappings for short
items (stakeholders, goods, metrics, benefits), the odd comment, and quotes only where YAML needs them. Specs
are built from a handful of service themes (office climate, workplace devices, payroll, catering, network,
fleet) and vary in ids, sites, customers, maturity levels (1-5), numbers and layout. About 20% of them carry
one or two of the mistakes that real specs have (a functioning item without a metric, a maturity gap, a
dangling ``tracesTo``, a stale assessment, ...) so that rules fire.

Everything is deterministic: spec ``i`` depends only on ``(seed, i)``, so the first 1,000 specs of a
10,000-spec corpus are the 1,000-spec corpus.

Use from Python::

    from gen_specs import write_corpus, write_big_spec
    files = write_corpus(directory, 1000, seed=1)
    size = write_big_spec(path, 5_000_000, seed=1)

or from the command line::

    python bench/gen_specs.py --check 500          # generate 500 specs + the big one, validate them all
    python bench/gen_specs.py --out DIR --count 20  # write 20 specs into DIR to look at

Standard library and PyYAML only (``--check`` also uses jsonschema).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import functools
import json
import os
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SEED = 20261124
AS_OF = _dt.date(2026, 11, 24)  # the benchmark runs the tool with --as-of this date
MISTAKE_RATE = 0.2


# --------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------

def M(name: str, unit: str, targets: tuple[Any, ...], operator: str, period: str, source: str,
      baselines: tuple[Any, ...] = ()) -> dict[str, Any]:
    """A metric template: one of `targets` (and of `baselines`) is picked per spec."""
    return {"name": name, "unit": unit, "targets": targets, "operator": operator, "period": period,
            "source": source, "baselines": baselines}


@dataclass(frozen=True)
class Theme:
    key: str
    service: str
    providers: tuple[str, ...]
    goods: tuple[tuple[str, str], ...]
    actions: tuple[tuple[str, str], ...]
    functionality: tuple[tuple[str, str, tuple[str, ...]], ...]
    functioning: tuple[tuple[str, str, dict[str, Any]], ...]
    sfunctionality: tuple[tuple[str, str, tuple[str, ...]], ...]
    sfunctioning: tuple[tuple[str, str, dict[str, Any]], ...]
    scos: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...]
    plans: tuple[str, ...]
    internal: tuple[str, ...] = field(default=())


THEMES: tuple[Theme, ...] = (
    Theme(
        key="office-climate", service="Office climate comfort",
        providers=("Facilities Management", "Building Services", "Workplace Services"),
        goods=(("hvac", "HVAC installation {site}"), ("room-thermostats", "Room thermostats ({n})"),
               ("bms", "Building management system"), ("aq-sensors", "Air quality sensors")),
        actions=(("act-pm", "Quarterly preventive maintenance of HVAC"),
                 ("act-setpoints", "Daily setpoint scheduling in the BMS"),
                 ("act-filters", "Filter replacement every six months"),
                 ("act-balance", "Annual airflow balancing")),
        functionality=(("fn-climate", "Heats, cools and ventilates all {n} rooms", ("hvac", "act-setpoints")),
                       ("fn-adjust", "Staff can shift their room setpoint by up to 2 °F", ("room-thermostats",)),
                       ("fn-air", "Keeps CO2 below 800 ppm in meeting rooms", ("aq-sensors", "act-filters")),
                       ("fn-schedule", "Pre-conditions rooms before office hours", ("bms", "act-setpoints")),
                       ("fn-balance", "Even airflow across the whole floor", ("act-balance", "hvac"))),
        functioning=(("fg-band", "Rooms stay within 70-74 °F during office hours (Mon-Fri 07:00-19:00)",
                      M("Office hours within 70-74 °F", "%", (95, 97, 98), ">=", "P1M", "BMS sensor log")),
                     ("fg-temp", "Room temperature during office hours",
                      M("Room temperature", "°F", ([70, 74], [69, 75]), "between", "PT1H", "BMS sensor log")),
                     ("fg-co2", "Meeting rooms stay below 800 ppm CO2",
                      M("Meeting hours below 800 ppm", "%", (90, 95), ">=", "P1M", "Air quality sensors")),
                     ("fg-uptime", "HVAC available during office hours",
                      M("HVAC availability", "%", (99, 99.5), ">=", "P1M", "BMS alarm log"))),
        sfunctionality=(("sp-desk", "Comfort calls via service portal or ext. {ext}, Mon-Fri 07:00-19:00", ()),
                        ("sp-pm-plan", "Quarterly maintenance plan shared", ("act-pm",)),
                        ("sp-report", "Monthly comfort report to the customer", ())),
        sfunctioning=(("sp-restore", "Comfort incidents resolved within 4 working hours",
                       M("Comfort incidents resolved < 4 wh", "%", (85, 90, 95), ">=", "P1M", "service desk tool")),
                      ("sp-answer", "Calls answered within 30 seconds",
                       M("Calls answered < 30 s", "%", (80, 90), ">=", "P1M", "telephony statistics"))),
        scos=(("sco-comfortable-day",
               "Our staff work a full day in rooms that feel comfortable, without moving desks or bringing heaters.",
               M("Office hours within 70-74 °F", "%", (95,), ">=", "P1M", "BMS sensor log", (78, 81, 85)),
               ("fn-climate", "fg-band", "fg-temp")),
              ("sco-same-morning",
               "When I report that my room is uncomfortable, it is comfortable again the same morning or afternoon.",
               M("Comfort incidents resolved < 4 wh", "%", (90,), ">=", "P1M", "service desk tool", (62, 70)),
               ("sp-desk", "sp-restore", "fn-adjust")),
              ("sco-no-emergencies",
               "I never have to arrange an emergency heating repair in winter because servicing happens on schedule.",
               M("Planned HVAC services done on schedule", "%", (100,), ">=", "P3M", "CMMS work orders", (75, 80)),
               ("act-pm", "sp-pm-plan", "hvac")),
              ("sco-fresh-meetings", "Afternoon meetings end with everyone still alert, not drowsy from stale air.",
               M("Meeting hours below 800 ppm", "%", (95,), ">=", "P1M", "Air quality sensors", (70, 74)),
               ("fn-air", "fg-co2")),
              ("sco-ready-at-eight", "The first people in at eight find their rooms already at a pleasant temperature.",
               M("Rooms in band at 08:00", "%", (95,), ">=", "P1M", "BMS sensor log", (60, 66)),
               ("fn-schedule",)),
              ("sco-predictable-costs", "Energy costs for the floor climate stay within the budget agreed for the year.",
               M("Energy cost versus budget", "%", (100,), "<=", "P1Y", "energy invoices", (112, 108)),
               ("fn-balance", "fg-uptime"))),
        plans=("Rebalance airflow in rooms {room} (CHG-{year}-{num})", "Route climate calls straight to the BMS operator",
               "Publish the quarterly maintenance plan", "Move the setpoint schedule one hour earlier"),
        internal=("legal obligation: F-gas inspection", "keeps the BMS licence compliant"),
    ),
    Theme(
        key="workplace-devices", service="Workplace devices",
        providers=("IT Services", "Digital Workplace", "Workplace Technology"),
        goods=(("laptops", "Standard laptops ({n})"), ("docks", "Docking stations and monitors"),
               ("loaners", "Loan laptop pool"), ("mdm", "Device management platform")),
        actions=(("act-provision", "Pre-configured laptop provisioning"), ("act-refresh", "Four-year hardware refresh"),
                 ("act-updates", "Monthly OS and security updates"), ("act-wipe", "Secure data wipe at return")),
        functionality=(("fn-ready", "New starters get a working laptop on day one", ("laptops", "act-provision")),
                       ("fn-desk", "Hot desks have a dock and two monitors", ("docks",)),
                       ("fn-swap", "Broken laptops are swapped from a loan pool", ("loaners",)),
                       ("fn-current", "Devices stay on supported software", ("mdm", "act-updates")),
                       ("fn-lifecycle", "Old devices are replaced before they slow people down",
                        ("act-refresh", "act-wipe"))),
        functioning=(("fg-day-one", "Laptops ready on the starter's first day",
                      M("Starters with a laptop on day one", "%", (95, 98), ">=", "P1M", "HR onboarding list")),
                     ("fg-compliance", "Devices on the current update level",
                      M("Devices up to date", "%", (95, 97), ">=", "P1W", "device management reports")),
                     ("fg-swap-time", "Loan laptop handed out within 2 hours",
                      M("Swap time", "hours", (2, 4), "<=", "P1M", "service desk tool"))),
        sfunctionality=(("sp-portal", "Device requests and faults via the self-service portal", ()),
                        ("sp-walkin", "Walk-in tech bar at {site}, Mon-Fri 08:00-17:00", ("loaners",)),
                        ("sp-guides", "Short how-to guides for common tasks", ())),
        sfunctioning=(("sp-fix", "Device incidents resolved within one working day",
                       M("Device incidents resolved < 1 wd", "%", (85, 90), ">=", "P1M", "service desk tool")),
                      ("sp-csat", "Tech bar visitors rate the help 4 or higher",
                       M("Visitors rating 4 or 5", "%", (85, 90), ">=", "P1M", "exit survey"))),
        scos=(("sco-first-day", "New colleagues can do real work on their first morning instead of waiting for equipment.",
               M("Starters productive on day one", "%", (95,), ">=", "P3M", "onboarding survey", (70, 76)),
               ("fn-ready", "fg-day-one", "act-provision")),
              ("sco-back-to-work", "When my laptop breaks, I am working again within two hours with my files intact.",
               M("Time back to work", "hours", (2,), "<=", "P1M", "service desk tool", (9, 6.5)),
               ("fn-swap", "sp-walkin", "fg-swap-time")),
              ("sco-any-desk", "I can sit at any desk and start working within a minute.",
               M("Desk check-ins working first time", "%", (98,), ">=", "P1M", "desk booking survey", (88, 91)),
               ("fn-desk", "docks")),
              ("sco-no-lost-data", "I never lose work because of a device problem.",
               M("Incidents with data loss", "count", (0,), "==", "P3M", "incident records", (3, 5)),
               ("fn-current", "fg-compliance")),
              ("sco-audit-clean", "Our auditors find no unmanaged or outdated devices at the yearly audit.",
               M("Audit findings on devices", "count", (0,), "<=", "P1Y", "audit report", (7, 12)),
               ("fn-lifecycle", "act-wipe", "mdm")),
              ("sco-self-help", "I solve everyday device questions myself in a few minutes without calling anyone.",
               M("Questions solved with a guide", "%", (60,), ">=", "P3M", "portal analytics", (25, 31)),
               ("sp-guides", "sp-portal"))),
        plans=("Stage laptops for starters a week ahead", "Add a second tech bar shift on Mondays",
               "Publish five new how-to guides (CHG-{year}-{num})", "Replace the docks on floor {floor}"),
        internal=("needed for licence audits", "security baseline"),
    ),
    Theme(
        key="payroll", service="Payroll",
        providers=("Shared Service Centre", "HR Services", "Payroll Services"),
        goods=(("payroll-system", "Payroll system"), ("payslip-app", "Payslip app"),
               ("tax-tables", "Tax and social security tables")),
        actions=(("act-run", "Monthly payroll run"), ("act-reconcile", "Payroll reconciliation with the general ledger"),
                 ("act-changes", "Processing of salary changes"), ("act-yearend", "Year-end statements")),
        functionality=(("fn-pay", "Pays all {n} employees on the agreed date", ("payroll-system", "act-run")),
                       ("fn-payslip", "Employees see their payslip online", ("payslip-app",)),
                       ("fn-changes", "Salary changes take effect in the next run", ("act-changes", "payroll-system")),
                       ("fn-ledger", "Payroll costs booked per cost centre", ("act-reconcile", "tax-tables")),
                       ("fn-annual", "Annual statements available for tax returns", ("act-yearend",))),
        functioning=(("fg-ontime", "Salaries paid on the 25th",
                      M("Employees paid on time", "%", (99.9, 100), ">=", "P1M", "bank statements")),
                     ("fg-accuracy", "Payslips without corrections",
                      M("Payslips corrected afterwards", "%", (0.5, 1), "<=", "P1M", "payroll corrections log")),
                     ("fg-close", "Payroll journal ready by working day 2",
                      M("Journal ready by WD2", "%", (100,), ">=", "P1M", "ledger timestamps"))),
        sfunctionality=(("sp-questions", "Payroll questions via the HR portal", ()),
                        ("sp-calendar", "Published payroll calendar with cut-off dates", ("act-changes",)),
                        ("sp-urgent", "Urgent off-cycle payments on request", ("act-run",))),
        sfunctioning=(("sp-answer", "Payroll questions answered within 2 working days",
                       M("Questions answered < 2 wd", "%", (90, 95), ">=", "P1M", "HR portal")),
                      ("sp-offcycle", "Off-cycle payments made within 3 working days",
                       M("Off-cycle payments < 3 wd", "%", (95,), ">=", "P3M", "payroll system"))),
        scos=(("sco-paid-right", "Every employee receives the right salary on the agreed day, every month.",
               M("Employees paid correctly and on time", "%", (99.9,), ">=", "P1M", "payroll corrections log", (99.1, 98.7)),
               ("fn-pay", "fg-ontime", "fg-accuracy")),
              ("sco-close-books", "Finance closes the month on working day 5 without chasing payroll figures.",
               M("Month-end closes on WD5", "%", (100,), ">=", "P3M", "finance close calendar", (67, 58)),
               ("fn-ledger", "fg-close")),
              ("sco-understand-payslip", "I understand my payslip without having to ask anyone.",
               M("Payslip questions per 100 employees", "count", (2,), "<=", "P1M", "HR portal", (6, 8)),
               ("fn-payslip", "sp-questions")),
              ("sco-raise-next-month", "A raise agreed with my manager shows up in my next salary.",
               M("Changes in the next run", "%", (98,), ">=", "P3M", "payroll system", (85, 79)),
               ("fn-changes", "sp-calendar")),
              ("sco-tax-return", "I can file my tax return in March with the annual statement at hand.",
               M("Statements available by 1 March", "%", (100,), ">=", "P1Y", "payslip app", (90, 93)),
               ("fn-annual", "act-yearend")),
              ("sco-no-hardship", "Nobody has to borrow money because a payment was missed.",
               M("Missed payments not fixed within 3 wd", "count", (0,), "==", "P1Y", "payroll system", (2, 4)),
               ("sp-urgent", "sp-offcycle"))),
        plans=("Add a payslip glossary to the app", "Move the cut-off for changes to the 10th",
               "Automate the ledger journal (CHG-{year}-{num})", "Train the HR portal team on tax questions"),
        internal=("statutory reporting", "external audit requirement"),
    ),
    Theme(
        key="catering", service="Staff restaurant and catering",
        providers=("Catering Services", "Hospitality Services"),
        goods=(("restaurant", "Staff restaurant {site}"), ("coffee", "Coffee machines ({n})"),
               ("meeting-catering", "Meeting catering"), ("menu-app", "Menu and ordering app")),
        actions=(("act-lunch", "Daily lunch service 11:30-14:00"), ("act-restock", "Coffee corner restocking twice a day"),
                 ("act-deliver", "Delivery of catering orders to meeting rooms"), ("act-hygiene", "Food safety inspections")),
        functionality=(("fn-lunch", "Hot and cold lunch for up to {n} guests", ("restaurant", "act-lunch")),
                       ("fn-coffee", "Fresh coffee on every floor", ("coffee", "act-restock")),
                       ("fn-meetings", "Catering delivered to meeting rooms", ("meeting-catering", "act-deliver")),
                       ("fn-diets", "Vegetarian, vegan and allergen-free options daily", ("restaurant", "menu-app")),
                       ("fn-safe", "Food prepared to food safety standards", ("act-hygiene",))),
        functioning=(("fg-queue", "Lunch queue under 5 minutes",
                      M("Lunch waits under 5 min", "%", (90, 95), ">=", "P1M", "queue counter")),
                     ("fg-coffee-up", "Coffee machines working",
                      M("Coffee machine availability", "%", (97, 98), ">=", "P1M", "machine telemetry")),
                     ("fg-delivery", "Catering delivered at the booked time",
                      M("Deliveries on time", "%", (95,), ">=", "P1M", "ordering app"))),
        sfunctionality=(("sp-orders", "Catering orders and changes via the app until 16:00 the day before", ("menu-app",)),
                        ("sp-feedback", "Feedback and complaints via the app or the restaurant desk", ()),
                        ("sp-allergen", "Allergen information on request", ())),
        sfunctioning=(("sp-complaints", "Complaints answered within 1 working day",
                       M("Complaints answered < 1 wd", "%", (90, 95), ">=", "P1M", "ordering app")),
                      ("sp-late-changes", "Late order changes accepted",
                       M("Late changes accepted", "%", (80, 90), ">=", "P1M", "ordering app"))),
        scos=(("sco-lunch-break", "I get a proper lunch and still have time to sit down and eat it within my break.",
               M("Lunch waits under 5 min", "%", (95,), ">=", "P1M", "queue counter", (72, 80)),
               ("fn-lunch", "fg-queue")),
              ("sco-meeting-ready", "When my guests arrive, the lunch for the meeting is already on the table.",
               M("Deliveries before meeting start", "%", (95,), ">=", "P1M", "ordering app", (80, 84)),
               ("fn-meetings", "fg-delivery", "sp-orders")),
              ("sco-safe-to-eat", "Colleagues with allergies eat in the restaurant without worrying.",
               M("Allergen incidents", "count", (0,), "==", "P1Y", "incident records", (1, 2)),
               ("fn-diets", "fn-safe", "sp-allergen")),
              ("sco-coffee-nearby", "I can get a good cup of coffee without leaving my floor.",
               M("Coffee machine availability", "%", (98,), ">=", "P1M", "machine telemetry", (91, 94)),
               ("fn-coffee", "fg-coffee-up")),
              ("sco-heard", "When something is wrong with my meal, it is put right and I hear back the next day.",
               M("Complaints answered < 1 wd", "%", (95,), ">=", "P1M", "ordering app", (60, 65)),
               ("sp-feedback", "sp-complaints"))),
        plans=("Open a second lunch counter at peak hours", "Label all allergens on the menu boards",
               "Add a coffee corner on floor {floor}", "Confirm every meeting order by mail (CHG-{year}-{num})"),
        internal=("required by the food safety authority", "hygiene certification"),
    ),
    Theme(
        key="office-network", service="Office network and Wi-Fi",
        providers=("Network Services", "IT Infrastructure"),
        goods=(("wifi-aps", "Wi-Fi access points ({n})"), ("switches", "Floor switches"),
               ("guest-wifi", "Guest Wi-Fi"), ("firewall", "Perimeter firewall")),
        actions=(("act-monitor", "24x7 network monitoring"), ("act-firmware", "Firmware updates in maintenance windows"),
                 ("act-survey", "Yearly Wi-Fi coverage survey"), ("act-capacity", "Quarterly capacity review")),
        functionality=(("fn-coverage", "Wi-Fi coverage in every room and meeting area", ("wifi-aps", "act-survey")),
                       ("fn-wired", "Wired connections at every desk", ("switches",)),
                       ("fn-guests", "Visitors get online with a daily code", ("guest-wifi",)),
                       ("fn-secure", "Traffic filtered at the perimeter", ("firewall", "act-firmware")),
                       ("fn-capacity", "Enough bandwidth for video calls at peak hours",
                        ("act-capacity", "act-monitor"))),
        functioning=(("fg-available", "Network available during office hours",
                      M("Network availability", "%", (99.5, 99.9), ">=", "P1M", "monitoring system")),
                     ("fg-latency", "Round trip to the data centre under 20 ms",
                      M("Median round trip", "ms", (20, 15), "<=", "P1D", "monitoring system")),
                     ("fg-coverage", "Rooms with a strong Wi-Fi signal",
                      M("Rooms above -67 dBm", "%", (95, 98), ">=", "P1Y", "coverage survey"))),
        sfunctionality=(("sp-noc", "Network operations centre reachable 24x7", ("act-monitor",)),
                        ("sp-changes", "Network changes requested via the portal", ()),
                        ("sp-events", "Temporary Wi-Fi for events on request", ("guest-wifi",))),
        sfunctioning=(("sp-restore", "Network outages restored within 2 hours",
                       M("Outages restored < 2 h", "%", (90, 95), ">=", "P3M", "incident records")),
                      ("sp-change-lead", "Standard changes done within 5 working days",
                       M("Standard changes < 5 wd", "%", (90,), ">=", "P1M", "service desk tool"))),
        scos=(("sco-calls-hold", "My video calls do not freeze or drop, even at the busiest hour of the day.",
               M("Calls without quality complaints", "%", (99,), ">=", "P1M", "meeting platform reports", (93, 95)),
               ("fn-capacity", "fn-coverage", "fg-latency")),
              ("sco-work-anywhere", "I can open my laptop anywhere in the building and just work.",
               M("Rooms above -67 dBm", "%", (98,), ">=", "P1Y", "coverage survey", (84, 88)),
               ("fn-coverage", "fg-coverage", "wifi-aps")),
              ("sco-guests-online", "My visitors are online within a minute of arriving, without help from reception.",
               M("Visitors online without help", "%", (90,), ">=", "P3M", "visitor survey", (55, 61)),
               ("fn-guests", "sp-events")),
              ("sco-no-breach", "Our customer data never leaves the company through the office network.",
               M("Data breaches via the network", "count", (0,), "==", "P1Y", "security incident register", (1,)),
               ("fn-secure", "firewall")),
              ("sco-desk-works", "The desk I book has a working network connection when I plug in.",
               M("Desk connections working", "%", (99,), ">=", "P1M", "desk booking survey", (94, 96)),
               ("fn-wired", "sp-noc", "sp-restore"))),
        plans=("Add access points in meeting rooms {room}", "Double the uplink of floor {floor} (CHG-{year}-{num})",
               "Print the guest code on the visitor badge", "Review peak-hour capacity every quarter"),
        internal=("security baseline", "insurance requirement"),
    ),
    Theme(
        key="fleet", service="Pool cars and fleet",
        providers=("Fleet Management", "Mobility Services"),
        goods=(("pool-cars", "Pool cars ({n})"), ("ev-chargers", "EV chargers in the car park"),
               ("fuel-cards", "Fuel and charging cards"), ("booking-app", "Car booking app")),
        actions=(("act-service", "Scheduled vehicle servicing"), ("act-clean", "Weekly interior cleaning"),
                 ("act-tyres", "Seasonal tyre changes"), ("act-damage", "Damage repair handling")),
        functionality=(("fn-book", "Staff book a pool car up to 30 days ahead", ("pool-cars", "booking-app")),
                       ("fn-charge", "Electric cars charged overnight", ("ev-chargers",)),
                       ("fn-fuel", "Fuel and charging paid by card", ("fuel-cards",)),
                       ("fn-roadworthy", "Cars kept roadworthy in every season", ("act-service", "act-tyres")),
                       ("fn-tidy", "Cars handed over clean", ("act-clean",))),
        functioning=(("fg-availability", "Bookable cars available at peak times",
                      M("Booking requests met", "%", (95, 97), ">=", "P1M", "booking app")),
                     ("fg-charged", "Electric cars at least 80% charged at 07:30",
                      M("Cars charged at 07:30", "%", (95,), ">=", "P1W", "charger management")),
                     ("fg-breakdowns", "Breakdowns during trips",
                      M("Breakdowns per 10,000 km", "count", (0.5, 1), "<=", "P3M", "roadside assistance reports"))),
        sfunctionality=(("sp-roadside", "Roadside assistance number on the key fob", ()),
                        ("sp-damage", "Damage reported in the app with photos", ("act-damage", "booking-app")),
                        ("sp-desk", "Fleet desk for bookings and questions, Mon-Fri 08:00-18:00", ())),
        sfunctioning=(("sp-assist", "Roadside help on site within 45 minutes",
                       M("Assistance on site < 45 min", "%", (90,), ">=", "P3M", "roadside assistance reports")),
                      ("sp-repair", "Damaged cars back in the pool within 5 working days",
                       M("Repairs done < 5 wd", "%", (85, 90), ">=", "P3M", "repair shop invoices"))),
        scos=(("sco-car-when-needed", "When I need to visit a client, there is a car for me at the time I booked.",
               M("Booking requests met", "%", (97,), ">=", "P1M", "booking app", (88, 90)),
               ("fn-book", "fg-availability")),
              ("sco-arrive-on-time", "I arrive at client meetings on time, without a breakdown or a detour to charge.",
               M("Trips delayed by the car", "%", (1,), "<=", "P3M", "trip survey", (4, 6)),
               ("fn-charge", "fn-roadworthy", "fg-charged", "fg-breakdowns")),
              ("sco-no-expense-claims", "I never pay for fuel or charging out of my own pocket.",
               M("Expense claims for fuel", "count", (0,), "==", "P3M", "expense system", (35, 22)),
               ("fn-fuel", "fuel-cards")),
              ("sco-help-on-road", "If the car lets me down on the road, I am on my way again within the hour.",
               M("Back on the road < 60 min", "%", (90,), ">=", "P3M", "roadside assistance reports", (70, 76)),
               ("sp-roadside", "sp-assist")),
              ("sco-presentable", "The car I pick up is clean enough to give a client a lift.",
               M("Cars rated clean at pick-up", "%", (95,), ">=", "P1M", "booking app", (80, 83)),
               ("fn-tidy", "act-clean"))),
        plans=("Add four chargers in the car park (CHG-{year}-{num})", "Move tyre changes to October",
               "Show the roadside number in the app", "Clean cars after every weekend"),
        internal=("lease contract obligation", "required by the insurer"),
    ),
)

SITES = (("f3", "floor 3"), ("hq", "headquarters"), ("ams", "Amsterdam office"), ("rtm", "Rotterdam plant"),
         ("utr", "Utrecht campus"), ("bldg-b", "building B"), ("ldn", "London office"), ("ein", "Eindhoven site"),
         ("gent", "Gent office"), ("dc1", "data centre 1"), ("zwl", "Zwolle branch"), ("f7", "floor 7"))

# customer id, name, stakeholders (non-technical first, so the first one is always a business-side observer)
CUSTOMERS = (
    ("hr", "Human Resources", (("hr-director", "HR director", "business"), ("staff", "Office staff", "user"))),
    ("finance", "Finance", (("cfo", "Chief financial officer", "financial"), ("controller", "Controller", "financial"))),
    ("site-ops", "Site Operations", (("site-manager", "Site manager", "business"),
                                     ("bldg-engineer", "Building engineer", "technical"))),
    ("sales", "Sales", (("sales-director", "Sales director", "business"), ("account-managers", "Account managers", "user"))),
    ("legal", "Legal and Compliance", (("counsel", "General counsel", "legal"), ("compliance", "Compliance officer", "legal"))),
    ("it", "IT Department", (("cio", "CIO", "business"), ("it-architect", "IT architect", "technical"))),
    ("production", "Production", (("plant-manager", "Plant manager", "business"), ("operators", "Line operators", "user"))),
    ("customer-care", "Customer Care", (("cc-lead", "Customer care lead", "business"),
                                        ("agents", "Contact centre agents", "user"))),
    ("marketing", "Marketing", (("cmo", "Marketing director", "business"), ("campaign-team", "Campaign team", "user"))),
)

PEOPLE = ("j.devries", "k.ahmed", "m.jansen", "s.bakker", "l.visser", "p.smit", "a.meijer", "r.mulder",
          "e.degroot", "t.bos", "n.vos", "h.peters", "y.elamrani", "c.dekker", "b.hendriks")
ASSESSORS = ("service-board", "internal audit", "customer council", "external assessor")
CUSTOMER_BENEFITS = (("valueInUse", "No lost work time"), ("valueInUse", "Less time spent chasing help"),
                     ("financial", "Lower cost per employee"), ("social", "Better working conditions"),
                     ("environmental", "Less energy use"), ("valueInUse", "Fewer interruptions"))
PROVIDER_BENEFITS = (("relationship", "Fewer escalations"), ("financial", "Lower handling cost"),
                     ("relationship", "A customer who renews the agreement"), ("financial", "Predictable workload"))
PROVIDER_VOICE = ("We will make sure that {what}", "Our team shall ensure {what}", "The provider ensures {what}")
WEASEL = ("Fast and efficient {what}", "Timely, seamless and robust {what}", "Effective {what} at all times")
REQUEST_TYPES = ("incident", "serviceRequest", "requestForChange", "wish")


# --------------------------------------------------------------------------------------------------------
# YAML writing, the way people write it
# --------------------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z][^\x00-\x1f\x7f#\"`]*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
FLOW_WIDTH = 170  # a flow mapping longer than this is written in block style, as a person would


class Comment(str):
    """A scalar value written with a trailing `# comment`."""

    def __new__(cls, value: str, comment: str) -> "Comment":
        obj = super().__new__(cls, value)
        obj.comment = comment
        return obj


@functools.lru_cache(maxsize=65536, typed=True)
def _scalar(value: Any, flow: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    s = str(value)
    plain = (bool(_PLAIN.fullmatch(s)) and s == s.strip() and ": " not in s and not s.endswith(":")
             and s.lower() not in _RESERVED and not (flow and any(c in s for c in ",[]{}:")))
    return s if plain else json.dumps(s, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, True)


def _is_scalar_list(value: list[Any]) -> bool:
    return all(not isinstance(v, (dict, list)) for v in value)


def emit(doc: dict[str, Any], flow_keys: frozenset[str]) -> str:
    """Block-style YAML; mappings under a key in `flow_keys` (`key` for a mapping value, `key[]` for the
    items of a list) are written in flow style when they fit on a line; lists of scalars always are."""
    lines: list[str] = []

    def block_map(d: dict[str, Any], indent: int) -> None:
        pad = " " * indent
        for key, value in d.items():
            if isinstance(value, dict):
                flow = _flow(value)
                if key in flow_keys and indent + len(key) + len(flow) + 2 <= FLOW_WIDTH:
                    lines.append(f"{pad}{key}: {flow}")
                else:
                    lines.append(f"{pad}{key}:")
                    block_map(value, indent + 2)
            elif isinstance(value, list):
                if _is_scalar_list(value):
                    lines.append(f"{pad}{key}: {_flow(value)}")
                    continue
                lines.append(f"{pad}{key}:")
                for item in value:
                    flow = _flow(item)
                    if f"{key}[]" in flow_keys and indent + 4 + len(flow) <= FLOW_WIDTH:
                        lines.append(f"{pad}  - {flow}")
                    else:
                        start = len(lines)
                        block_map(item, indent + 4)
                        lines[start] = f"{pad}  - " + lines[start][indent + 4:]
            else:
                line = f"{pad}{key}: {_scalar(value, False)}"
                if isinstance(value, Comment):
                    line = f"{line:<24}  # {value.comment}" if len(line) < 24 else f"{line}  # {value.comment}"
                lines.append(line)

    block_map(doc, 0)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------------
# Building one spec
# --------------------------------------------------------------------------------------------------------

def _rng(seed: int, index: int, stream: str = "spec") -> random.Random:
    return random.Random(f"{seed}:{stream}:{index}")


def _theme_and_site(seed: int, index: int) -> tuple[Theme, tuple[str, str]]:
    rng = _rng(seed, index, "id")
    return THEMES[rng.randrange(len(THEMES))], SITES[rng.randrange(len(SITES))]


def service_id(seed: int, index: int) -> str:
    """The `metadata.id` of spec `index` (a function of its own, so that a spec can reuse another's id)."""
    theme, (site_slug, _) = _theme_and_site(seed, index)
    return f"svc-{theme.key}-{site_slug}-{index:05d}"


def _metric(rng: random.Random, tpl: dict[str, Any], kind: str | None = None, with_baseline: bool = False,
            rich: bool = True) -> dict[str, Any]:
    target = rng.choice(tpl["targets"])
    m: dict[str, Any] = {"name": tpl["name"], "unit": tpl["unit"],
                         "target": list(target) if isinstance(target, list) else target,
                         "operator": tpl["operator"]}
    if with_baseline and tpl["baselines"]:
        m["baseline"] = rng.choice(tpl["baselines"])
    if rich or with_baseline:
        m["period"] = tpl["period"]
        m["source"] = tpl["source"]
    if kind:
        m["kind"] = kind
    return m


def _date(rng: random.Random, newest_days: int = 5, oldest_days: int = 330) -> str:
    return (AS_OF - _dt.timedelta(days=rng.randint(newest_days, oldest_days))).isoformat()


def _maturity(rng: random.Random, level: int, date: str | None, assessor: str | None) -> dict[str, Any]:
    vm: dict[str, Any] = {"level": level}
    if date:
        vm["assessedOn"] = date
    if assessor:
        vm["assessedBy"] = assessor
    return vm


def build_spec(seed: int, index: int) -> tuple[dict[str, Any], frozenset[str], list[str]]:
    """The document, the flow-style keys to write it with, and the mistakes put in (empty for a clean spec)."""
    rng = _rng(seed, index)
    theme, (_, site) = _theme_and_site(seed, index)
    fmt = {"site": site, "n": rng.choice((6, 8, 12, 14, 20, 24, 40, 120, 250)), "ext": rng.randint(4000, 4999),
           "room": f"{rng.randint(1, 9)}.0{rng.randint(1, 5)}-{rng.randint(1, 9)}.1{rng.randint(0, 9)}",
           "year": rng.choice((2025, 2026)), "num": rng.randint(100, 999), "floor": rng.randint(1, 9)}
    owner = rng.choice(PEOPLE)

    # facility: functionality first; the goods and actions are the ones it uses
    functionality = rng.sample(theme.functionality, rng.choice((2, 3, 3)))
    element_ids: list[str] = []
    for _, _, uses in functionality:
        for u in uses:
            if u not in element_ids:
                element_ids.append(u)
    spare = [e for e, _ in theme.goods + theme.actions if e not in element_ids]
    if spare and rng.random() < 0.5:
        element_ids.append(rng.choice(spare))  # one element not used by any functionality
    functioning = rng.sample(theme.functioning, rng.choice((1, 2, 2)))
    s_functionality = rng.sample(theme.sfunctionality, rng.choice((2, 2, 3)))
    for _, _, uses in s_functionality:
        for u in uses:
            if u not in element_ids:
                element_ids.append(u)
    s_functioning = rng.sample(theme.sfunctioning, rng.choice((1, 2)))
    goods = [(g, n) for g, n in theme.goods if g in element_ids]
    actions = [(a, n) for a, n in theme.actions if a in element_ids]

    # maturity: customers within one level of the provider (clean)
    p_level = rng.choices((1, 2, 3, 4, 5), weights=(1, 3, 4, 3, 1))[0]
    customers_src = rng.sample(CUSTOMERS, rng.choice((2, 2, 3)))
    assessor = rng.choice(ASSESSORS)
    assessed = _date(rng)
    customers = []
    for cid, cname, stakeholders in customers_src:
        level = min(5, max(1, p_level + rng.choice((-1, 0, 0, 1))))
        chosen = stakeholders[:rng.choice((1, 2, 2))]
        customers.append({"id": cid, "name": cname,
                          "valueMaturity": _maturity(rng, level, assessed if rng.random() < 0.7 else _date(rng),
                                                     assessor if rng.random() < 0.8 else None),
                          "stakeholders": [{"id": s, "role": r, "perspective": p} for s, r, p in chosen]})

    # SCOs: each customer observes at least one; a business-side stakeholder first
    scos_src = rng.sample(theme.scos, rng.choice((3, 3, 3, 4)))
    present = set(element_ids) | {f[0] for f in functionality} | {f[0] for f in functioning} \
        | {f[0] for f in s_functionality} | {f[0] for f in s_functioning}
    kinds_ok = ("outcome", "experience") if p_level >= 4 else ("outcome", "experience", "output", "outcome")
    scos = []
    for j, (sid, statement, mtpl, traces) in enumerate(scos_src):
        cust = customers[j % len(customers)] if j < len(customers) else rng.choice(customers)
        holders = cust["stakeholders"]
        holder = holders[0] if j < len(customers) else rng.choice(holders)
        trace = [t for t in traces if t in present] or [functionality[0][0]]
        benefits = []
        ctype, cdesc = rng.choice(CUSTOMER_BENEFITS)
        benefits.append({"type": ctype, "beneficiary": rng.choice(("customer", "customer", "both")),
                         "status": rng.choice(("expected", "expected", "realized")), "description": cdesc})
        scos.append({"id": sid, "statement": statement,
                     "observer": {"customer": cust["id"], "stakeholder": holder["id"]},
                     "owner": rng.choice((owner, owner, rng.choice(PEOPLE))),
                     "actions": [p.format(**fmt) for p in rng.sample(theme.plans, rng.choice((1, 1, 2)))],
                     "metric": _metric(rng, mtpl, kind=rng.choice(kinds_ok), with_baseline=True),
                     "tracesTo": trace, "valueBenefits": benefits})
    ptype, pdesc = rng.choice(PROVIDER_BENEFITS)
    rng.choice(scos)["valueBenefits"].append({"type": ptype, "beneficiary": "provider", "status": "expected",
                                              "description": pdesc})

    # every good, action and support functionality is reached from some SCO, or is internal
    uses_of = {f[0]: f[2] for f in functionality + s_functionality}
    reached: set[str] = set()
    todo = [t for s in scos for t in s["tracesTo"]]
    while todo:
        t = todo.pop()
        if t not in reached:
            reached.add(t)
            todo.extend(u for u in uses_of.get(t, ()) if u in present)
    internal: dict[str, str] = {}
    for eid in element_ids + [f[0] for f in s_functionality]:
        if eid in reached:
            continue
        if eid in element_ids and rng.random() < 0.4:
            internal[eid] = rng.choice(theme.internal)
        else:
            min(scos, key=lambda s: len(s["tracesTo"]))["tracesTo"].append(eid)
            reached.add(eid)
            todo = list(uses_of.get(eid, ()))
            while todo:
                t = todo.pop()
                if t not in reached:
                    reached.add(t)
                    todo.extend(uses_of.get(t, ()))

    def element(eid: str, name: str) -> dict[str, Any]:
        e = {"id": eid, "name": name.format(**fmt)}
        if eid in internal:
            e["internal"] = internal[eid]
        return e

    def func(fid: str, desc: str, uses: tuple[str, ...]) -> dict[str, Any]:
        f: dict[str, Any] = {"id": fid, "description": desc.format(**fmt)}
        if uses:
            f["uses"] = list(uses)
        return f

    def fing(fid: str, desc: str, mtpl: dict[str, Any]) -> dict[str, Any]:
        return {"id": fid, "description": desc.format(**fmt), "metric": _metric(rng, mtpl, rich=rng.random() < 0.8)}

    status = rng.choice(("agreed", "agreed", "agreed", "proposed", "draft"))
    metadata: dict[str, Any] = {"id": service_id(seed, index), "name": f"{theme.service}, {site}",
                                "owner": Comment(owner, "provider's service manager") if rng.random() < 0.3 else owner,
                                "status": Comment(status, "draft | proposed | agreed | retired")
                                if rng.random() < 0.2 else status}
    if rng.random() < 0.4:
        metadata["agreementRef"] = f"SA-{fmt['year']}-{rng.randint(1, 400):03d}"
    n_types = rng.choice((2, 3, 4, 4))
    doc: dict[str, Any] = {
        "apiVersion": "usm/v1",
        "kind": "ServiceSpecification",
        "metadata": metadata,
        "provider": {"name": rng.choice(theme.providers),
                     "valueMaturity": _maturity(rng, p_level, assessed, assessor)},
        "customers": customers,
        "facility": {"goods": [element(*g) for g in goods], "actions": [element(*a) for a in actions],
                     "functionality": [func(*f) for f in functionality],
                     "functioning": [fing(*f) for f in functioning]},
        "support": {"requestTypes": list(REQUEST_TYPES[:n_types]),
                    "functionality": [func(*f) for f in s_functionality],
                    "functioning": [fing(*f) for f in s_functioning]},
        "scos": scos,
    }
    if not doc["facility"]["goods"]:
        del doc["facility"]["goods"]
    if not doc["facility"]["actions"]:
        del doc["facility"]["actions"]
    if rng.random() < 0.1:
        doc["x-team"] = {"slack": f"#svc-{theme.key}", "oncall": rng.choice(PEOPLE)}

    mistakes = _add_mistakes(rng, doc, seed, index) if rng.random() < MISTAKE_RATE else []

    flow_keys = {"valueMaturity", "observer", "metric", "x-team", "stakeholders[]", "goods[]", "actions[]",
                 "functionality[]", "valueBenefits[]"}
    for key, p in (("metric", 0.1), ("stakeholders[]", 0.2), ("valueMaturity", 0.15), ("functionality[]", 0.1),
                   ("valueBenefits[]", 0.1)):
        if rng.random() < p:
            flow_keys.discard(key)
    return doc, frozenset(flow_keys), mistakes


def _add_mistakes(rng: random.Random, doc: dict[str, Any], seed: int, index: int) -> list[str]:
    """One or two of the mistakes real specs have; returns their names."""
    kinds = ["no-metric", "maturity-gap", "dangling-trace", "stale-assessment", "sco-no-metric",
             "provider-voice", "no-owner", "no-support-functioning", "dangling-uses", "duplicate-service-id",
             "level-off-scale", "no-customer-benefit"]
    weights = [4, 4, 4, 3, 2, 2, 2, 1, 1, 1, 1, 1]
    if index == 0:
        weights[kinds.index("duplicate-service-id")] = 0
    picked: list[str] = []
    for _ in range(rng.choice((1, 1, 2))):
        k = rng.choices(kinds, weights)[0]
        if k not in picked:
            picked.append(k)
    scos = doc["scos"]
    for k in picked:
        if k == "no-metric":
            items = doc["facility"]["functioning"] + doc["support"].get("functioning", [])
            rng.choice(items).pop("metric", None)
        elif k == "maturity-gap":
            p = doc["provider"]["valueMaturity"]["level"]
            c = rng.choice(doc["customers"])
            c["valueMaturity"]["level"] = p + 2 if p <= 3 else p - 2
        elif k == "dangling-trace":
            rng.choice(scos)["tracesTo"].append(rng.choice(("hvac-unit", "fn-old", "sp-hotline", "act-legacy")))
        elif k == "stale-assessment":
            vm = rng.choice([doc["provider"]["valueMaturity"]] + [c["valueMaturity"] for c in doc["customers"]])
            if rng.random() < 0.5:
                vm.pop("assessedOn", None)
            else:
                vm["assessedOn"] = _date(rng, 500, 1200)
        elif k == "sco-no-metric":
            rng.choice(scos).pop("metric", None)
        elif k == "provider-voice":
            s = rng.choice(scos)
            what = s["statement"][0].lower() + s["statement"][1:]
            s["statement"] = rng.choice(PROVIDER_VOICE + WEASEL).format(what=what)
        elif k == "no-owner":
            s = rng.choice(scos)
            s.pop("owner", None)
            s.pop("actions", None)
        elif k == "no-support-functioning":
            doc["support"].pop("functioning", None)
        elif k == "dangling-uses":
            rng.choice(doc["facility"]["functionality"]).setdefault("uses", []).append("legacy-system")
        elif k == "duplicate-service-id":
            doc["metadata"]["id"] = service_id(seed, index - 1)
        elif k == "level-off-scale":
            doc["provider"]["valueMaturity"]["level"] = 6
        elif k == "no-customer-benefit":
            s = rng.choice(scos)
            s["valueBenefits"] = [b for b in s["valueBenefits"] if b["beneficiary"] == "provider"]
            if not s["valueBenefits"]:
                del s["valueBenefits"]
    return picked


def generate_spec(index: int, seed: int = DEFAULT_SEED) -> str:
    """The YAML text of spec `index`."""
    doc, flow_keys, _ = build_spec(seed, index)
    return emit(doc, flow_keys)


def spec_filename(index: int, seed: int = DEFAULT_SEED) -> str:
    """Where spec `index` goes inside a corpus: one sub-directory per theme, as a spec repository would."""
    theme, (site_slug, _) = _theme_and_site(seed, index)
    return f"{theme.key}/{index:05d}-{site_slug}.yaml"


def write_corpus(directory: str | os.PathLike[str], count: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write specs 0..count-1 into `directory` (one file each); returns the files in sorted order."""
    root = Path(directory)
    files = []
    for i in range(count):
        path = root / spec_filename(i, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_spec(i, seed), encoding="utf-8")
        files.append(path)
    return sorted(files)


# --------------------------------------------------------------------------------------------------------
# One big spec (the throughput line of DESIGN §7)
# --------------------------------------------------------------------------------------------------------

def build_big_spec(seed: int, units: int) -> dict[str, Any]:
    """One spec holding `units` copies of a theme's facility, support and SCOs, each with its own ids."""
    rng = _rng(seed, 0, "big")
    customers = []
    for (cid, cname, stakeholders), level in zip(CUSTOMERS[:3], (3, 4, 2)):
        customers.append({"id": cid, "name": cname,
                          "valueMaturity": {"level": level, "assessedOn": "2026-09-15", "assessedBy": "service-board"},
                          "stakeholders": [{"id": s, "role": r, "perspective": p} for s, r, p in stakeholders]})
    goods: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    functionality: list[dict[str, Any]] = []
    functioning: list[dict[str, Any]] = []
    s_functionality: list[dict[str, Any]] = []
    s_functioning: list[dict[str, Any]] = []
    scos: list[dict[str, Any]] = []
    for u in range(units):
        theme = THEMES[u % len(THEMES)]
        fmt = {"site": f"site {u}", "n": 10 + u % 90, "ext": 4000 + u % 1000, "room": f"{u % 9 + 1}.01-{u % 9 + 1}.09",
               "year": 2026, "num": 100 + u % 900, "floor": u % 9 + 1}

        def sfx(x: str) -> str:
            return f"{x}-{u}"

        goods += [{"id": sfx(g), "name": n.format(**fmt)} for g, n in theme.goods]
        actions += [{"id": sfx(a), "name": n.format(**fmt)} for a, n in theme.actions]
        functionality += [{"id": sfx(f), "description": d.format(**fmt), "uses": [sfx(x) for x in us]}
                          for f, d, us in theme.functionality]
        functioning += [{"id": sfx(f), "description": d.format(**fmt), "metric": _metric(rng, m)}
                        for f, d, m in theme.functioning]
        s_functionality += [dict({"id": sfx(f), "description": d.format(**fmt)},
                                 **({"uses": [sfx(x) for x in us]} if us else {}))
                            for f, d, us in theme.sfunctionality]
        s_functioning += [{"id": sfx(f), "description": d.format(**fmt), "metric": _metric(rng, m)}
                          for f, d, m in theme.sfunctioning]
        for j, (sid, statement, m, traces) in enumerate(theme.scos):
            cust = customers[(u + j) % 3]
            scos.append({"id": sfx(sid), "statement": statement,
                         "observer": {"customer": cust["id"], "stakeholder": cust["stakeholders"][0]["id"]},
                         "owner": PEOPLE[(u + j) % len(PEOPLE)],
                         "actions": [theme.plans[j % len(theme.plans)].format(**fmt)],
                         "metric": _metric(rng, m, kind=("outcome", "experience")[j % 2], with_baseline=True),
                         "tracesTo": [sfx(t) for t in traces],
                         "valueBenefits": [{"type": "valueInUse", "beneficiary": "customer", "status": "expected",
                                            "description": CUSTOMER_BENEFITS[j % len(CUSTOMER_BENEFITS)][1]},
                                           {"type": "relationship", "beneficiary": "provider", "status": "expected",
                                            "description": "Fewer escalations"}]})
    return {
        "apiVersion": "usm/v1", "kind": "ServiceSpecification",
        "metadata": {"id": "svc-estate-wide-facilities", "name": "Estate-wide facilities, all sites",
                     "owner": "j.devries", "status": "agreed"},
        "provider": {"name": "Facilities Management",
                     "valueMaturity": {"level": 3, "assessedOn": "2026-09-15", "assessedBy": "service-board"}},
        "customers": customers,
        "facility": {"goods": goods, "actions": actions, "functionality": functionality, "functioning": functioning},
        "support": {"requestTypes": list(REQUEST_TYPES), "functionality": s_functionality,
                    "functioning": s_functioning},
        "scos": scos,
    }


_BIG_FLOW = frozenset({"valueMaturity", "observer", "metric", "stakeholders[]", "goods[]", "actions[]",
                       "functionality[]", "valueBenefits[]"})


def big_spec(target_bytes: int, seed: int = DEFAULT_SEED) -> tuple[dict[str, Any], str]:
    """One spec of at least `target_bytes` bytes (and not much more): the document and its text."""
    units = max(1, target_bytes // 8000)
    while True:
        doc = build_big_spec(seed, units)
        text = emit(doc, _BIG_FLOW)
        size = len(text.encode("utf-8"))
        if size >= target_bytes:
            return doc, text
        units = units + max(1, -(-(target_bytes - size) * units // size))


def write_big_spec(path: str | os.PathLike[str], target_bytes: int = 5_000_000, seed: int = DEFAULT_SEED) -> int:
    """Write the big spec to `path`; returns its size in bytes."""
    data = big_spec(target_bytes, seed)[1].encode("utf-8")
    Path(path).write_bytes(data)
    return len(data)


# --------------------------------------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------------------------------------

def self_check(count: int, seed: int = DEFAULT_SEED, big_bytes: int = 5_000_000) -> bool:
    """Generate `count` specs and the big one; every one must load with PyYAML (CSafeLoader when available)
    to exactly the document it was built from, and be valid against the bundled spec JSON Schema."""
    import yaml
    from jsonschema import Draft202012Validator

    schema_path = Path(__file__).resolve().parent.parent / "usm_rules" / "data" / "spec-v1.schema.json"
    validator = Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    ok = True
    lines: list[int] = []
    sizes: list[int] = []
    mistaken = 0
    mistake_counts: dict[str, int] = {}
    ids: dict[str, int] = {}
    themes: dict[str, int] = {}
    levels: dict[int, int] = {}

    def plain(value: Any) -> Any:  # Comment -> str, for comparing with what YAML loads
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return str(value) if isinstance(value, Comment) else value

    def check_one(label: str, doc: dict[str, Any], text: str) -> None:
        nonlocal ok
        loaded = yaml.load(text, Loader=loader)
        if loaded != plain(doc):
            ok = False
            print(f"{label}: loads to something else than was generated", file=sys.stderr)
        errors = sorted(validator.iter_errors(loaded), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            ok = False
            print(f"{label}: schema: /{'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)

    for i in range(count):
        doc, flow_keys, mistakes = build_spec(seed, i)
        text = emit(doc, flow_keys)
        if text != generate_spec(i, seed):
            ok = False
            print(f"spec {i}: not deterministic", file=sys.stderr)
        check_one(f"spec {i}", doc, text)
        lines.append(text.count("\n"))
        sizes.append(len(text.encode("utf-8")))
        mistaken += bool(mistakes)
        for m in mistakes:
            mistake_counts[m] = mistake_counts.get(m, 0) + 1
        ids[doc["metadata"]["id"]] = ids.get(doc["metadata"]["id"], 0) + 1
        theme = _theme_and_site(seed, i)[0].key
        themes[theme] = themes.get(theme, 0) + 1
        lv = doc["provider"]["valueMaturity"]["level"]
        levels[lv] = levels.get(lv, 0) + 1
    if count:
        lines.sort()
        print(f"{count} specs: {sum(lines) / count:.1f} lines on average (min {lines[0]}, median "
              f"{lines[count // 2]}, max {lines[-1]}), {sum(sizes) / count / 1000:.2f} kB on average")
        print(f"  with mistakes: {mistaken} ({100 * mistaken / count:.1f}%): "
              + ", ".join(f"{k} {v}" for k, v in sorted(mistake_counts.items())))
        print("  themes: " + ", ".join(f"{k} {v}" for k, v in sorted(themes.items())))
        print("  provider levels: " + ", ".join(f"{k}: {v}" for k, v in sorted(levels.items())))
        dups = sum(1 for v in ids.values() if v > 1)
        print(f"  service ids shared by two specs: {dups}")
    if big_bytes:
        doc, text = big_spec(big_bytes, seed)
        check_one("big spec", doc, text)
        print(f"big spec: {len(text.encode('utf-8')) / 1e6:.2f} MB, {text.count(chr(10))} lines, "
              f"{len(doc['scos'])} SCOs, {len(doc['facility']['functionality'])} + "
              f"{len(doc['support']['functionality'])} functionality and {len(doc['facility']['functioning'])} + "
              f"{len(doc['support']['functioning'])} functioning items")
    print("self-check: " + ("OK, every spec is schema-valid" if ok else "FAILED"))
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", type=int, metavar="N", help="generate N specs and the big spec and validate them")
    ap.add_argument("--out", metavar="DIR", help="write specs into DIR")
    ap.add_argument("--count", type=int, default=10, help="how many specs --out writes [10]")
    ap.add_argument("--big", type=int, metavar="BYTES", default=0,
                    help="with --out: also write big.yaml of this size; with --check: its size [5000000]")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    if args.check is None and args.out is None:
        ap.error("give --check N or --out DIR")
    if args.out:
        files = write_corpus(args.out, args.count, args.seed)
        print(f"wrote {len(files)} specs under {args.out}")
        if args.big:
            size = write_big_spec(Path(args.out) / "big.yaml", args.big, args.seed)
            print(f"wrote {Path(args.out) / 'big.yaml'} ({size} bytes)")
    if args.check is not None:
        return 0 if self_check(args.check, args.seed, args.big or 5_000_000) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

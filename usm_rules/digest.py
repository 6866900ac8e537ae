"""SHA-256 without importing hashlib where CPython has its own implementation.

hashlib loads OpenSSL's bindings (about 2 ms); a pre-commit run on one file hashes only its cache key and a
few fingerprints, and CPython's built-in SHA-256 module gives the same digests at a twentieth of the cost.
"""
from __future__ import annotations

try:  # CPython 3.12+
    from _sha2 import sha256  # type: ignore[import-not-found]
except ImportError:
    try:  # CPython 3.11
        from _sha256 import sha256  # type: ignore[import-not-found, no-redef]
    except ImportError:  # other interpreters
        from hashlib import sha256  # type: ignore[assignment]

__all__ = ["sha256"]

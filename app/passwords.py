"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

import base64
from contextlib import suppress

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret

_hasher = PasswordHasher()

MIN_LENGTH = 8


def use_test_cost() -> None:
    """Cheaper argon2id parameters for the test suite only (set by ENV=test)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("fengqiao-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so a missing account is not told apart.
        _burn(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def candidate(settings: str, digest_length: int, password: str) -> str:
    """``password`` hashed with the salt and parameters of a stored hash (``settings``:
    the hash up to its digest), encoded like the stored one: equal to it if and only if
    the password is right. Lets the database compare without handing out the hash."""
    filler = "A" * digest_length  # the digest's place, to read the parameters
    params = extract_parameters(settings + filler)
    salt_b64 = settings.rstrip("$").rpartition("$")[2]
    salt = base64.b64decode(salt_b64 + "=" * (-len(salt_b64) % 4))
    return hash_secret(
        password.encode(), salt, time_cost=params.time_cost,
        memory_cost=params.memory_cost, parallelism=params.parallelism,
        hash_len=params.hash_len, type=params.type,
        version=params.version,
    ).decode()


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


_DUMMY_HASH = _hasher.hash("fengqiao-timing-equaliser")


def _burn(password: str) -> None:
    with suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DUMMY_HASH, password)

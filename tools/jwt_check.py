"""Every unusable JWT on Rasa's HTTP API is a 401, never a 500.

Rasa 3.6.21 checks the `Authorization: Bearer <JWT>` header in `rasa.server.requires_auth`
through sanic-jwt 1.8.0's `Authentication.is_authenticated` and `extract_payload`, which call
the private `sanic_jwt.authentication.Authentication._verify`. That method turns only some of
PyJWT's errors into "not authenticated"; the others escape as a 500: a token with `alg: none`
or another algorithm than the configured one (`InvalidAlgorithmError`), or with a malformed
`sub` or `jti` claim. A header that is not `Bearer <token>` raises sanic-jwt's
`InvalidAuthorizationHeader`, a 400. This module wraps two private methods of
`sanic_jwt.authentication.Authentication`:
- `_decode`: any PyJWT `InvalidTokenError` becomes a `DecodeError` (which `_verify` answers
  as invalid, so Rasa replies 401 NotAuthenticated), and so does a `user` claim that is not
  an object (`rasa.server.requires_auth` calls `.get` on it);
- `_get_token`: a malformed Authorization header counts as a missing one (also a 401).
PyJWT errors that are not about the token (`InvalidKeyError`: a misconfigured secret) still
fail loudly. Refuses to install on another Rasa or sanic-jwt version.
"""

from __future__ import annotations

from typing import Any

RASA_VERSION = "3.6.21"
SANIC_JWT_VERSION = "1.8.0"


def check_versions(rasa_version: str, sanic_jwt_version: str) -> None:
    """RuntimeError unless the versions are those whose private methods this module wraps."""
    if (rasa_version, sanic_jwt_version) != (RASA_VERSION, SANIC_JWT_VERSION):
        raise RuntimeError(
            f"tools.jwt_check wraps private methods of Rasa {RASA_VERSION} with sanic-jwt "
            f"{SANIC_JWT_VERSION}, but Rasa {rasa_version} with sanic-jwt {sanic_jwt_version} "
            "is installed: check sanic_jwt.authentication.Authentication._decode and "
            "_get_token, then update this module"
        )


def install() -> None:
    """Make every JWT error on Rasa's HTTP API a 401 (idempotent)."""
    import jwt
    import rasa
    import sanic_jwt
    from sanic_jwt import exceptions
    from sanic_jwt.authentication import Authentication

    check_versions(rasa.__version__, sanic_jwt.__version__)
    if getattr(Authentication._decode, "all_errors_unauthorized", False):
        return
    decode, get_token = Authentication._decode, Authentication._get_token

    async def _decode(self: Authentication, *args: Any, **kwargs: Any) -> Any:
        try:
            payload = await decode(self, *args, **kwargs)
        except jwt.exceptions.DecodeError:
            raise
        except jwt.exceptions.InvalidTokenError as err:
            # sanic-jwt answers a DecodeError with 401 (400 only in its debug mode)
            raise jwt.exceptions.DecodeError(f"{type(err).__name__}: {err}") from err
        if not isinstance(payload.get("user", {}), dict):
            raise jwt.exceptions.DecodeError("the `user` claim is not an object")
        return payload

    def _get_token(self: Authentication, *args: Any, **kwargs: Any) -> Any:
        try:
            return get_token(self, *args, **kwargs)
        except exceptions.InvalidAuthorizationHeader as err:
            raise exceptions.MissingAuthorizationHeader() from err

    _decode.all_errors_unauthorized = True  # type: ignore[attr-defined]
    Authentication._decode = _decode  # type: ignore[method-assign]
    Authentication._get_token = _get_token  # type: ignore[method-assign]

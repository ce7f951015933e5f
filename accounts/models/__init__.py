"""Users and how they prove who they are: second factor, personal API tokens, sign-in locks."""

from .devices import AuthenticatorDevice
from .locks import AccountLock
from .tokens import ApiToken
from .users import User

__all__ = ["AccountLock", "ApiToken", "AuthenticatorDevice", "User"]

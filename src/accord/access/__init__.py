"""Who may use the portal and the API: agency and operator tokens (stored hashed) and browser sessions, in the
submission database (SQLite or PostgreSQL). No web framework here: the CLI creates tokens, the portal checks
them."""

from accord.access.tokens import OPERATOR, Principal, TokenInfo, TokenStore

__all__ = ["OPERATOR", "Principal", "TokenInfo", "TokenStore"]

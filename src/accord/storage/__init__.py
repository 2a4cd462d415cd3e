"""Storage: where accord's files live (a local folder or an object store), and who may read them."""

from accord.storage.base import LocalStorage, Storage, check_key, open_storage

__all__ = ["LocalStorage", "Storage", "check_key", "open_storage"]

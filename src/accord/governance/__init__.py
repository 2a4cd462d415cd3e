"""Contract governance: a contract change proposed, its cost to every agency measured on their own archived
extracts before adoption (``impact``), shown as a page in English and French (``report``)."""

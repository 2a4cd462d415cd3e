"""Reports for agencies: what is wrong in their file, in English and French."""

"""The results document, typed: its sections (`document`, `scope`, `linked`), the rows of its large
tables (`rows`), its one JSON writer (`writer`), and what results rest on (`sections`: inputs,
inventory, data quality)."""

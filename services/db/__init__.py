"""Database helpers shared by every domain: dialect-portable raw SQL and row types read on the posting path."""

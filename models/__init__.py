"""Tables, the database engine, and the store that owns every session."""

## Unit tests (Criterion) and CLI golden tests.

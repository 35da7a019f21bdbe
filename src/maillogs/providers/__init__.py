"""Provider adapters. ``registry`` lists them without importing any of them."""

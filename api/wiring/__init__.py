"""The only code that turns settings into backends."""

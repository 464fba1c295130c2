"""Real plugin modules the tests register, as a third party would write them."""

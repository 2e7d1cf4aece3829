"""German language helpers shared by actions and telephony: dates, spoken forms."""

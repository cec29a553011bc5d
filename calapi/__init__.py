"""calapi package."""

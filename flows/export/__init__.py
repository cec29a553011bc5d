"""The export pipeline: listings -> validated tables -> an atomic snapshot on disk."""

"""The plan stage: what the file wants minus what the organization has, as steps."""

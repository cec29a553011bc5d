"""The import pipeline: read, validate, plan, apply (resumable), receipt; and the users template."""

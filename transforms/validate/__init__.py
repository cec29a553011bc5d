"""The validation stage: an import sheet checked against the API's rules and the organization."""

// Types of the full entry beyond the authorization functions (DatadogClient, sans-IO request builders).

"""One module per resource of the registry API; ``registry.api.main.api_router`` includes them all."""

"""serve: the vLLM engine and the app that customers chat with."""

"""Customer-care chatbot framework: the runtime (channels, pipeline, engine, store, web)."""

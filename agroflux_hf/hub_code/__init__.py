"""Generated code that goes to the Hub with every published checkpoint (see ``agroflux_hf.remote_code``)."""

"""The project's AWS emulator: moto 5.2.5's server, its CloudFormation fixed for change-set based
deployment (`patches`), and providers for the resource types moto cannot create (`providers`),
validated against the pinned registry schemas (`schema`). Entry point: `emulator/server.py`."""

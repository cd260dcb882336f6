"""The embedded demo platform: a simulated Tessa AI Platform on loopback."""

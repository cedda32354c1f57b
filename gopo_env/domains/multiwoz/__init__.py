"""MultiWOZ 2.1: real goals and venue databases, an agenda-based customer, ConvLab metrics."""

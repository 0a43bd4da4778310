"""Payment rails: money in from and out to linked bank accounts and cards, asynchronously, behind one interface."""

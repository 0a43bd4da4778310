"""Support tickets (issue 16 part 2): opening, the thread, staff notes, assignment, SLA clocks and the queue."""

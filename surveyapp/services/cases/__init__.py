"""Follow-up cases (the closed loop): opening, working, escalating and closing them."""

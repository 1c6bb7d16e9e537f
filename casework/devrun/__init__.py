"""What only the development run uses: embedded services, development secrets, demo data."""

"""The terminal UI: `WorkshopApp`, its screens and widgets. Only this package and `ssh` import
textual; screens call services and receive domain objects."""

//! The `ppsp` command.

fn main() {}

"""callmos model factory: synthesise degraded speech, label it with teachers, distil students."""

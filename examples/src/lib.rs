//! Examples of using the construct library (compiled and run as tests).

//! `refarch-app`: synthesizes and ships the reference architecture.

fn main() {
    println!("refarch-app: under construction");
}

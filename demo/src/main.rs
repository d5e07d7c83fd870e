//! The `hero_demo` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    hero_demo::main()
}

fn main() {
    hero_svc::cli::main()
}

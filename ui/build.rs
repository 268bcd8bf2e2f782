//! Compiles the `.slint` views; debug info keeps element ids visible to the UI tests.

fn main() {
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    if let Err(error) = slint_build::compile_with_config("ui/main.slint", config) {
        panic!("the .slint views do not compile: {error}");
    }
}

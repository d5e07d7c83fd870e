//! [`invocation_builders!`]: the builder methods every description of a program run shares
//! — its arguments and its environment variables — written once for the types that hold
//! them (a supervised process's spec, a command task).

/// Adds `args(…)` (appends arguments) and `env(name, value)` (sets a variable) to a struct
/// with fields `args: Vec<String>` and `env: Vec<(String, String)>`.
#[macro_export]
#[doc(hidden)]
macro_rules! invocation_builders {
    ($ty:ty) => {
        impl $ty {
            /// Appends arguments.
            pub fn args<I, S>(mut self, args: I) -> Self
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.args.extend(args.into_iter().map(Into::into));
                self
            }

            /// Sets an environment variable.
            pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.env.push((name.into(), value.into()));
                self
            }
        }
    };
}

pub use invocation_builders;

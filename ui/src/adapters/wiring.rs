//! The wiring every job adapter repeats for its view's callbacks: each callback holds the
//! window weakly (so the window can be dropped) and the controllers, and does nothing once
//! the window is gone.

use std::rc::Rc;

use dockhand_app::workflow::Action;
use slint::ComponentHandle;

use super::with_window;
use crate::MainWindow;
use crate::app::Controllers;

/// What a view callback needs: the window, weakly, and the controllers.
pub struct Wiring {
    weak: slint::Weak<MainWindow>,
    controllers: Rc<Controllers>,
}

impl std::fmt::Debug for Wiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wiring").finish_non_exhaustive()
    }
}

impl Wiring {
    pub fn new(window: &MainWindow, controllers: &Rc<Controllers>) -> Self {
        Self {
            weak: window.as_weak(),
            controllers: controllers.clone(),
        }
    }

    /// A callback without arguments: `f` with the window, if it still exists.
    pub fn on(
        &self,
        f: impl Fn(&MainWindow, &Rc<Controllers>) + 'static,
    ) -> impl FnMut() + 'static {
        let (weak, c) = (self.weak.clone(), self.controllers.clone());
        move || with_window(&weak, |w| f(w, &c))
    }

    /// A callback with one argument: `f` with the window, if it still exists, and it.
    pub fn on_arg<A>(
        &self,
        f: impl Fn(&MainWindow, &Rc<Controllers>, A) + 'static,
    ) -> impl FnMut(A) + 'static {
        let (weak, c) = (self.weak.clone(), self.controllers.clone());
        move |a| with_window(&weak, |w| f(w, &c, a))
    }
}

/// The action for a number from the number pad (below zero is 0).
pub fn quantity(n: i32) -> Action {
    Action::Quantity(u32::try_from(n.max(0)).unwrap_or(0))
}

//! Placeholder while the job is written.

use super::common::{Refusal, refuse};
use super::input::Input;
use super::projections::Projections;
use super::prompt::Prompt;
use super::{Step, text};

#[derive(Debug, Clone, Default)]
pub struct StockJob {}

impl StockJob {
    pub fn prompt(&self) -> Prompt {
        Prompt::JobLeft
    }

    pub(crate) fn handle(
        &mut self,
        _input: &Input,
        _proj: &dyn Projections,
    ) -> Result<Step, Refusal> {
        refuse(text::not_now())
    }
}
impl StockJob {
    pub fn new() -> StockJob {
        StockJob {}
    }
}

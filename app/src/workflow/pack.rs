//! Placeholder while the job is written.

use super::common::{Refusal, refuse};
use super::input::Input;
use super::projections::Projections;
use super::prompt::Prompt;
use super::{Step, text};

#[derive(Debug, Clone, Default)]
pub struct PackJob {}

impl PackJob {
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
impl PackJob {
    pub fn open(
        _station: crate::domain::LocationCode,
        _order: Option<crate::domain::OrderNumber>,
        _tote: Option<crate::domain::LocationCode>,
        _proj: &dyn Projections,
    ) -> Result<PackJob, Refusal> {
        Ok(PackJob {})
    }
    pub fn spec(&self) -> super::JobSpec {
        super::JobSpec::Stock
    }
}

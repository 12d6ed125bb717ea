/**
 * Thrown by the action node when governance answers `approval_required`; the executor pauses the run on it.
 * @internal
 */
export class ApprovalRequired {
  constructor(
    readonly action: string,
    readonly reason: string,
    readonly proposalId: string | undefined,
  ) {}
}

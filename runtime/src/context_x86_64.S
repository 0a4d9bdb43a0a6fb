/*
 * context_x86_64.S - fiber context switch for x86-64, System V ABI.
 *
 * Saved frame, at the saved sp (lowest address first):
 *
 *   sp - 8   +-------------------+
 *            | MXCSR (4 bytes)   |  SSE control/status: rounding mode, exception masks
 *   sp - 4   | x87 CW (2 bytes)  |  x87 control word: precision, rounding
 *   sp + 0   +-------------------+
 *            | r15               |
 *   sp + 8   | r14               |
 *   sp + 16  | r13               |
 *   sp + 24  | r12               |  new fiber: entry function
 *   sp + 32  | rbx               |  new fiber: its argument
 *   sp + 40  | rbp               |
 *   sp + 48  | return address    |  new fiber: urt__ctx_trampoline
 *            +-------------------+
 *
 * The two control words sit just below the saved sp, in the 128-byte red
 * zone the ABI keeps for leaf code: nothing writes there while the fiber
 * is suspended (a signal's frame starts below the red zone), and no
 * instruction is spent moving sp around them.
 *
 * MXCSR and the x87 control word are restored only when they differ from
 * the current ones: loading them is slow.  MXCSR is compared whole, its
 * sticky exception flags included, so those travel with each task (the ABI
 * lets a call change them), and a switch between a task that has raised a
 * flag and one that has not pays the reload.
 *
 * Only the callee-saved state is kept: the caller of urt__ctx_switch has
 * already saved everything else, as for any function call.
 */
	.text
	.globl urt__ctx_switch
	.hidden urt__ctx_switch
	.type urt__ctx_switch, @function
	/* void urt__ctx_switch(struct urt__ctx *from (rdi), struct urt__ctx *to (rsi)) */
urt__ctx_switch:
	.cfi_startproc
	/* The CFI notes let a debugger or profiler unwind through the switch
	 * (up to the task's own frames, which the saved registers belong to). */
	pushq %rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq %rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq %r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq %r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq %r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq %r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	stmxcsr -8(%rsp)
	fnstcw -4(%rsp)
	/* Read back with the same widths as the stores, so the loads are
	 * forwarded from the store buffer instead of stalling on it. */
	movl -8(%rsp), %eax
	movzwl -4(%rsp), %edx
	movq %rsp, (%rdi)
	movq (%rsi), %rsp
	/* ldmxcsr and fldcw stall the pipeline (they were most of the cost of
	 * a switch): load them only when the resumed context's values differ
	 * from ours (tasks that set no rounding mode and raise no exception
	 * flag never do). */
	cmpl -8(%rsp), %eax
	jne 2f
	cmpw -4(%rsp), %dx
	jne 2f
1:
	.cfi_remember_state
	popq %r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq %r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq %r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq %r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq %rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq %rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_restore_state
2:
	ldmxcsr -8(%rsp)
	fldcw -4(%rsp)
	jmp 1b
	.cfi_endproc
	.size urt__ctx_switch, .-urt__ctx_switch

	.globl urt__ctx_trampoline
	.hidden urt__ctx_trampoline
	.type urt__ctx_trampoline, @function
	/* First code a new fiber runs: rsp is 16-byte aligned here, so the
	 * call below enters entry(arg) with the alignment the ABI promises. */
urt__ctx_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	movq %rbx, %rdi
	callq *%r12
	ud2 /* entry never returns */
	.cfi_endproc
	.size urt__ctx_trampoline, .-urt__ctx_trampoline

	.section .note.GNU-stack,"",@progbits

r6 = r1
call f
exit
f:
r0 = 2
lock *(u64 *)(r10 - 8) += r0
exit

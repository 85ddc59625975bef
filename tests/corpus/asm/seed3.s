r1 = 0x123456789 ll
r0 = r1
r0 s/= -1
exit

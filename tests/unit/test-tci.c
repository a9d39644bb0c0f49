#include <stdio.h>
int main(void) { puts("not yet written"); return 1; }

# Count the results of a (nested) KTAP document: every leaf test counts once;
# a parent counts only when it failed while none of its subtests did (a
# crash after the last subtest must not pass for success).
# Prints "PASSED FAILED".
function indent(s) { match(s, /^ */); return RLENGTH }
/^ *(not )?ok [0-9]+/ {
	d = indent($0)
	bad = ($0 ~ /^ *not ok /)
	if (last >= 0 && last > d) {
		# A parent: its subtests at deeper levels were counted.
		if (bad && !childfail[d])
			failed++
	} else if (bad) {
		failed++
	} else {
		passed++
	}
	if (bad)
		for (k = 0; k < d; k++)
			childfail[k] = 1
	# Children below this level belong to an earlier sibling from now on.
	for (k in childfail)
		if (k + 0 >= d)
			delete childfail[k]
	last = d
}
BEGIN { last = -1 }
END { printf "%d %d\n", passed, failed }

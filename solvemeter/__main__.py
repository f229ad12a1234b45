from solvemeter.suite.cli import main

main()

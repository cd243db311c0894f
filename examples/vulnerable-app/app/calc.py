"""A 'calculator' that evaluates whatever it is given (deliberately vulnerable)."""


def calculate(expression):
    # Code injection: arbitrary Python from the request.
    return eval(expression)


def run_snippet(source):
    exec(source)

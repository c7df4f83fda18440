"""AWS Cloud Practitioner course: calculators, data, the AWS sandbox and grading tools."""
